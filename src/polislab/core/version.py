"""The polislab version, carried by every result (DESIGN.md: results carry their version)."""

VERSION = "0.1.0"
