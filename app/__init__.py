"""The domain of Digibank Balie: plain Python services, no Qt (tests check this)."""
