"""One module per channel kind: each turns a rendered notification into that kind's request."""
