"""No uploaded file is kept past MAX_UPLOAD_BYTES: the first upload handler drops a file once it
grows past the limit (SkipFile), before the handlers that keep it in memory or on disk see any
more of it, and notes it on the request. The rest of the form (its CSRF token first) is read as
usual, so the view answers with its own message ("The file is over 10 MB") rather than a bare
error. Each form then applies its own, smaller limit (a poster 5 MB, ratings.csv 5 MB…)."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

# Larger than any form's own limit.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class UploadLimitHandler(FileUploadHandler):
    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            refused = getattr(self.request, "uploads_refused", set())
            refused.add(self.field_name)
            self.request.uploads_refused = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def refused_upload(request, field: str) -> str:
    """The message for a file dropped for its size, or ""."""
    if field in getattr(request, "uploads_refused", ()):
        return f"The file is over {filesizeformat(MAX_UPLOAD_BYTES)}: far too large for this form."
    return ""
