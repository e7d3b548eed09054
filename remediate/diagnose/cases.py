"""The ten cases of the event-4006 troubleshooting write-up (docs/reference/event-4006-causes.md), in its order: the
backbone of `remediate diagnose`.

The write-up walks them one by one for a server whose sent mail stays queued and whose Application log shows event
4006 ("The connection was dropped by the remote host ...; the semaphore timeout period has expired"). Which rules
of a catalog look at which case is the rules' own data (`cases:` in the playbooks); this module holds what the
write-up says about each case, so that a case no rule could decide still tells the admin what to check by hand.
KB 919091 numbers its causes differently; `kb` gives its cause number where one matches (docs/reference/
event-4006-causes.md; the settings behind each case are in docs/reference/exchange-4006-settings.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    number: int
    title: str  # short, for tables and the ranking
    says: str  # what the write-up says, shortened
    check: str  # what to check by hand when the tool cannot tell
    kb: str | None = None  # the matching KB 919091 cause, if any

    @property
    def source(self) -> str:
        return f"docs/reference/event-4006-causes.md case {self.number}" + (f"; {self.kb}" if self.kb else "")


CASES: tuple[Case, ...] = (
    Case(1, "A firewall blocks port 25",
         "If all e-mail is queued, make sure the firewall does not block port 25.",
         "From the Exchange server, open TCP 25 to the next hop (telnet NEXT-HOP 25); check the host firewall and "
         "every network firewall in between."),
    Case(2, "Wrong smart host",
         "The smart host may be wrong: check it in IIS Manager, Default SMTP Virtual Server, Properties, Delivery, "
         "Advanced, Smart Host (Exchange 2007 and later: the send connector's smart hosts).",
         "Compare the smart host of the SMTP virtual server or send connector with the relay the site really uses."),
    Case(3, "Antivirus scans the SMTP folders",
         "Antivirus software: disable Internet E-mail Auto-Protect or e-mail scanning, and exclude \\Inetpub and "
         "%systemroot%\\system32\\inetsrv from real-time scanning.",
         "In the antivirus console, check the real-time scanning exclusions of the mail folders."),
    Case(4, "The SMTP server is not running or not reachable",
         "Make sure the remote server is running; network problems may keep the SMTP service from reaching it.",
         "Check that the next hop's SMTP service runs and answers (telnet NEXT-HOP 25), and the network between."),
    Case(5, "No SMTP banner",
         "The remote server does not answer with an SMTP banner: telnet to it on port 25 must show \"220 ... "
         "ready\"; if not, configure a banner.",
         "telnet NEXT-HOP 25 from the Exchange server: the first line must start with 220.",
         "KB 919091 cause 4"),
    Case(6, "(S)TNEF the peer cannot read",
         "Other e-mail systems (Exchange 5.5) do not recognise Summary-TNEF from Exchange 2003: force the store "
         "driver to use TNEF (registry entries).",
         "Find out which peers cannot read (Summary-)TNEF and how mail to them is formatted.",
         "KB 919091 cause 2"),
    Case(7, "Symantec Mail Security heuristics",
         "Heuristic scanning in Symantec Mail Security for Exchange alters messages so the terminating period is "
         "not at the end: disable heuristics.",
         "In the Symantec Mail Security console, check that heuristic (Bloodhound) detection is off.",
         "KB 919091 cause 3"),
    Case(8, "Antivirus scans the mail (Internet E-mail Auto-Protect)",
         "The Internet E-mail Auto-Protect scanner of Symantec AntiVirus Corporate Edition 9.x must not be "
         "enabled on the server (Exchange 2013 and later: antivirus without Microsoft's Exchange exclusions).",
         "Check which antivirus products scan e-mail or the Exchange folders and processes on this server.",
         "KB 919091 cause 1"),
    Case(9, "Cisco SMTP inspection on the path",
         "An IP INSPECT NAME ... SMTP statement on a Cisco firewall on the path: disable it.",
         "On every Cisco router or firewall between the server and its next hop: show running-config | include "
         "inspect (IOS), fixup protocol smtp (PIX), inspect esmtp (ASA).",
         "KB 919091 cause 5"),
    Case(10, "Corrupt IIS metabase",
         "If the other causes do not apply, the metabase may be corrupted: replace it (KB 304166, \"The IIS "
         "metabase is corrupted\").",
         "If no other case applies: check that MetaBase.xml parses (IIS 6) and that EHLO lists X-EXPS and "
         "X-LINK2STATE; replace the metabase from a good backup in a maintenance window.",
         "KB 919091 cause 6"),
)

BY_NUMBER = {case.number: case for case in CASES}
