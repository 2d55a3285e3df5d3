"""Text helpers shared by the letter parser and the passage splitter: cleaning and
reflowing extracted text, the layout of lines and sections, phrase lookup and
anchored patterns. Imports only the standard library."""
