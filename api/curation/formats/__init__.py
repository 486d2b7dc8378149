"""The files operators exchange with district offices: CSV and XLSX read safely and written with formulas
escaped, and opening hours in the OpenStreetMap syntax."""
