"""One module per chapter with the functions that compute its questions' answers."""
