"""One module per page. Each exposes `render(ctx, ...)`."""
