"""The floors every scenario is measured against, served by the same gunicorn and
middleware as the product: a plain view returning small JSON, and the same view
doing one INSERT."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from benchmarks.models import FloorRow


@require_GET
def plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "path": request.path})


@csrf_exempt
@require_POST
def one_insert(request: HttpRequest) -> JsonResponse:
    row = FloorRow.objects.create(body=request.body.decode(), created_at=timezone.now())
    return JsonResponse({"id": row.pk}, status=201)
