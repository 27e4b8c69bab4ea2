"""The operator's tooling: which services make up the stack (`services`), running them
(`supervisor`, `control`), shipping a fragment (`deploy`) and describing the stack for
Kubernetes (`kubernetes`). Its commands live in `management/commands/`."""
