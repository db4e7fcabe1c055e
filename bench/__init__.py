"""Load measurements of portal pages against bare Django views doing the same queries (see README.md)."""
