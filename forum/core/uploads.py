"""A cap on uploaded files as they arrive. Django keeps no limit on a file's size (its
DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out) and spools large ones to disk, so a form
that takes a file could be made to write any amount. Past FILE_UPLOAD_LIMIT bytes a file
is skipped, and the request remembers it (`upload_too_large`) for the view to say so."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and passes them on."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.FILE_UPLOAD_LIMIT:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
