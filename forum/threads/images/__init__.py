"""Images in posts: checking and re-encoding uploads (processing), storing them
(services), finding the forum's own images for the renderer (selectors), and the API."""
