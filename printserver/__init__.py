"""printserver: a DICOM print server and film spooler."""

__version__ = "0.1.0"
