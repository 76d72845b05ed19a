from fastapi import APIRouter

router = APIRouter()


@router.get("/orphan")
def orphan() -> str:
    return "no app includes this router"
