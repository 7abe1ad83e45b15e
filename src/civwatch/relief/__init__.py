"""The relief fund: relocation grants, tiered approval, payments and a double-entry ledger."""
