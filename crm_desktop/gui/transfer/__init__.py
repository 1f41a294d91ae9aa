"""Customers in and out: the import dialog, the imports made (and their undo), the export."""
