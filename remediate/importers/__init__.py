"""Inventories from the tools administrators already use, turned into remediate inventories (docs in each module)."""
