"""Import influencers from CSV or JSON files (see :func:`import_file`)."""

from outreach.importing.importer import ImportReport, RowOutcome, import_file
from outreach.importing.reader import ImportFileError

__all__ = ["ImportFileError", "ImportReport", "RowOutcome", "import_file"]
