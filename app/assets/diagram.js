// The process diagram is added with the workflow pages.
