"""remediate/lab/pwsh/coverage.py: which lines count as executable, and what the recorder reports."""

from __future__ import annotations

from remediate.lab.pwsh import coverage

SCRIPT = """# a comment
function Get-Two
{
    param($x)
    if ($x)
    {
        return 2
    }
    $y = 3
}
$z = Get-Two 1
"""


def test_statements_start_executable_lines_and_definitions_and_comments_do_not():
    assert coverage.executable_lines(SCRIPT) == {5, 7, 9, 11}


def test_coverage_counts_only_executable_lines_that_ran():
    recorder = coverage.Recorder()
    key = coverage.script_key(SCRIPT)
    for line in (1, 5, 7, 11):
        recorder.hit(key, line)
    result = coverage.coverage_of(SCRIPT, recorder)
    assert result.missing == [9] and result.percent == 75.0
