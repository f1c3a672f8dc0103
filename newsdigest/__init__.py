"""newsdigest: a static site generator made for news digests."""

__version__ = "0.1.0"
