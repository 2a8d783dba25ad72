"""Demo and volume data: the fictional town of Valmont-sur-Loire and a request generator."""
