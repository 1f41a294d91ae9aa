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

# Envelopes printed on directly (no window), address-label sheets, and how a printer takes an
# envelope. documents/mailing_pdf.py holds each one's measures under the same name.
PRINTED_ENVELOPES = {"DL": "DL (220 × 110 mm)", "C5": "C5 (229 × 162 mm)",
                     "C6": "C6 (162 × 114 mm)", "US10": "US #10 (9½ × 4⅛ in)"}
LABEL_SHEETS = {"L7160": "Avery/Zweckform L7160 (A4, 21 labels, 63.5 × 38.1 mm)",
                "L7163": "Avery/Zweckform L7163 (A4, 14 labels, 99.1 × 38.1 mm)",
                "5160": "Avery 5160 (Letter, 30 labels, 2⅝ × 1 in)",
                "5163": "Avery 5163 (Letter, 10 labels, 4 × 2 in)"}
FEED_ENVELOPE = "envelope"  # the printer takes the envelope as a page of its own size
FEED_CENTRE = "centre"  # on the sheet tray, short side first, in the middle
FEED_EDGE = "edge"  # on the sheet tray, short side first, against the left edge
ENVELOPE_FEEDS = {FEED_ENVELOPE: "As a page of its own size (the printer knows envelopes)",
                  FEED_CENTRE: "On the paper tray, short side first, in the middle",
                  FEED_EDGE: "On the paper tray, short side first, against the left edge"}
