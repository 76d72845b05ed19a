from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session  # expect: DBF201

from core.database import engine  # expect: DBF101
from core.session import get_db
from models.plant import Skill

router = APIRouter(prefix="/skills", tags=["skills"])


@router.get("/")
def list_skills(db: Session = Depends(get_db)):  # expect: DBF202, DBF301
    return db.query(Skill).order_by(Skill.name).all()  # expect: DBF203


@router.get("/count")
async def count_skills():
    async with engine.connect() as conn:
        return {"count": await conn.scalar("SELECT count(*) FROM skills")}  # expect: DBF501


@router.get("/{skill_id}")
def get_skill(skill_id: int, db: Session = Depends(get_db)):  # expect: DBF202, DBF301
    skill = db.query(Skill).get(skill_id)  # expect: DBF203
    if skill is None:
        raise HTTPException(status_code=404, detail="skill not found")
    return skill
