"""Statistics in the web app: records from custodes' own cases, their publication, and the
public page that shows a publication."""
