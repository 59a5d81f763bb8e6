"""/api/v1/customers: the customer records cases refer to (staff)."""
from __future__ import annotations

from api.auth import current_user
from api.routes import flowdesk, protected_blueprint
from api.schemas_customers import (CustomerDetailOut, CustomerIn, CustomerPageOut, CustomerPatch,
                                   CustomerQuery, PurchaseIn)
from services import customers as service

blp = protected_blueprint("customers", "/api/v1/customers",
                          "Customer records: tier, class, contact, purchases and cases.")


@blp.route("", methods=["POST"])
@blp.arguments(CustomerIn())
@blp.response(201, CustomerDetailOut)
def create(args: dict):  # type: ignore[no-untyped-def]
    """Create a customer (409 if the code exists)."""
    return service.create(flowdesk(), current_user(), args)


@blp.route("", methods=["GET"])
@blp.arguments(CustomerQuery(), location="query")
@blp.response(200, CustomerPageOut)
def search(args: dict):  # type: ignore[no-untyped-def]
    rows, total = service.search(flowdesk(), current_user(), q_text=args.get("q"),
                                 tier=args.get("tier"), abc_class=args.get("abc_class"),
                                 page=args["page"], per_page=args["per_page"])
    return {"items": rows, "total": total}


@blp.route("/<int:customer_id>", methods=["GET"])
@blp.response(200, CustomerDetailOut)
def get(customer_id: int):  # type: ignore[no-untyped-def]
    """The record with its purchases and its cases (service history)."""
    return service.get(flowdesk(), current_user(), customer_id)


@blp.route("/<int:customer_id>", methods=["PATCH"])
@blp.arguments(CustomerPatch())
@blp.response(200, CustomerDetailOut)
def update(args: dict, customer_id: int):  # type: ignore[no-untyped-def]
    return service.update(flowdesk(), current_user(), customer_id, args)


@blp.route("/<int:customer_id>/purchases", methods=["POST"])
@blp.arguments(PurchaseIn())
@blp.response(201, CustomerDetailOut)
def add_purchase(args: dict, customer_id: int):  # type: ignore[no-untyped-def]
    """Record a purchase in the customer's history."""
    return service.add_purchase(flowdesk(), current_user(), customer_id, args)
