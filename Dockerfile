FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
# Static files are collected at build time; whitenoise serves the hashed, compressed copies.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN useradd --create-home moviedraft \
    && mkdir -p /app/media && chown moviedraft /app/media
USER moviedraft
EXPOSE 8000
# ASGI with uvicorn workers (config/gunicorn.py): the live draft room's event streams wait on
# the event loop instead of holding a thread each. WEB_CONCURRENCY sets the worker count.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.asgi:application"]
