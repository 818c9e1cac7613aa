"""Fresh links: "send me a link" by address, and the one-time link that opens everything."""
