"""Writers of the export formats (search/export.py hands them checked items)."""
