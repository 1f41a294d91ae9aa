"""The papers and window envelopes a shop can print invoices and letters for.

Plain names shared by the settings (which one the shop chose) and the documents (where each
envelope's window is); they live below both, so documents never import a service.
"""

from __future__ import annotations

PAPER_A4 = "A4"
PAPER_LETTER = "Letter"
DIN_5008_A = "din5008a"
DIN_5008_B = "din5008b"
US_10 = "us10"
ENVELOPES = {DIN_5008_B: ("DIN 5008 form B (DL/C5/C4 window envelope)", PAPER_A4),
             DIN_5008_A: ("DIN 5008 form A (window envelope)", PAPER_A4),
             US_10: ("US #10 window envelope", PAPER_LETTER)}
