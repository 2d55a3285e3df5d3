"""`imr`, the command line: outside the library (`indexer`) and the web app
(`webapp`), which it drives; nothing imports it."""
