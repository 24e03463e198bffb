"""The press files: printer's marks, saddle-stitch imposition, metadata and proof outlines."""
