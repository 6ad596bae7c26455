"""Pages about background jobs: the progress of a long job, polled by templates/partials/job_progress.html."""
