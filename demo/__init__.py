"""`make demo`: the sample package's release pipelines under act, against local stand-ins."""
