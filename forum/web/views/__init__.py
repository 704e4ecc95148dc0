"""Server-rendered pages, one module per area. Thin: validate a form, call one service or
selector, then redirect (POST/redirect/GET) or render the form again with the service's
refusal next to the field it names. Every page works without JavaScript."""
