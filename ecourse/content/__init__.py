"""The course as content: lesson files read, checked and imported; Markdown made safe;
placeholders; a course written back out as files; lesson pages rendered once."""
