from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint

from core.database import Base


class Skill(Base):
    __tablename__ = "skills"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    category = Column(String(50), nullable=False)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("email"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(320), nullable=False)
    skill_id = Column(Integer, ForeignKey("skills.id"), nullable=True)
