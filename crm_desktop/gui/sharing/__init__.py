"""Two desks, one shop: sharing the shop from the computer that holds it, connecting the
other desk, and going back to the shop on this computer."""
