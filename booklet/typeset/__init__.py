"""From the Book to HTML and styles: the Chinese text pass, the templates, the stylesheets."""
