"""What every public page tells browsers and link previews about itself."""


def page_meta(request, title: str, description: str, path: str, *, kind="website", image=""):
    """The <title>, description, Open Graph tags and canonical link of a page
    (rendered by templates/_social.html). `image` may be a path on this site (an uploaded
    poster): link previews need the whole address."""
    return {
        "title": title,
        "description": description,
        "canonical": request.build_absolute_uri(path),
        "type": kind,
        "image": request.build_absolute_uri(image) if image else "",
    }
