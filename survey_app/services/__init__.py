"""Domain operations. Each changes state and flushes; the caller (view or CLI) commits once."""
