"""Reading a book folder: YAML with places, the schema, validation, images and glyphs."""
