"""District operators' listings: the list with the curation filters, the editor, history, publishing, live figures."""
