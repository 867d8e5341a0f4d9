"""One module per ``narcoscope`` subcommand."""
