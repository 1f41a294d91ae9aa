"""CRM Desktop: a desktop CRM for a very small shop.

The package root and everything below it except ``crm_desktop.gui`` is the Qt-free core.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crm-desktop")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

APP_NAME = "CRM Desktop"
APP_ID = "crm-desktop"
