from sqlmodel import Session, select


def list_heroes(session: Session) -> None:
    print(select, session)
