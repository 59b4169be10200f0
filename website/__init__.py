"""Server-side pieces of the public site that Voila's configuration cannot express alone."""
