"""Early intervention in the web app: risk runs imported whole, their entries and plans."""
