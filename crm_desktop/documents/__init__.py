"""Printable documents (invoice PDFs), drawn with ReportLab. No Qt here."""
