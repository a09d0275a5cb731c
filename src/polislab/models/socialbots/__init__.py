"""Socialbots against a bot detector (seed 003; Le, Tran-Thanh & Lee 2022; issue 24)."""
