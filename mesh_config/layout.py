"""How many CloudFormation stacks hold each kind of the mesh's parts (mesh.yaml `layout`).

Every count is the size of a pool: an item (a project, a producer's tables, a subscription, a
business unit's catalog or unit tree) lands in the pool's stack chosen by a consistent hash of its
own key (placement.py), so adding, removing or growing an item never moves another one. Changing
a count is the deliberate rebalance: raising it from N to N+1 moves about 1/(N+1) of the items,
all into the new stack, and each move is a replacement the change plan reports.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Ceilings keep a typo from asking for thousands of stacks; the pipeline splits an environment
# over as many stages as it needs, so they are not CodePipeline's limits.
MAX_POOL = 200


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    project_stacks: int = Field(
        1,
        ge=1,
        le=MAX_POOL,
        examples=[4],
        description=(
            "stacks holding the projects (projects-1 ... projects-N), each project by a hash of its key; "
            "raising it moves about 1/N of the projects into the new stack (a replacement)"
        ),
    )
    product_stacks: int = Field(
        1,
        ge=1,
        le=MAX_POOL,
        examples=[2],
        description=(
            "stacks holding the producers' tables and data sources (products-1 ... products-N), by a hash "
            "of the producer project's key"
        ),
    )
    subscription_stacks: int = Field(
        1,
        ge=1,
        # The stacks deploy side by side, each one subscription at a time (a few seconds each):
        # ten keep the account under AcceptSubscriptionRequest's 3 TPS (DataZone quotas).
        le=10,
        examples=[2],
        description=(
            "stacks holding the declared subscriptions (subscriptions, subscriptions-2 ...), by a hash of "
            "consumer and asset; each chains its own subscriptions, so N run side by side"
        ),
    )
    catalog_stacks: int = Field(
        0,
        ge=0,
        le=MAX_POOL,
        examples=[2],
        description=(
            "0: every business unit's Glue database in the catalogs stack; N: in catalogs-1 ... catalogs-N by "
            "a hash of the business unit (moving a deployed database replaces it: set it before they exist)"
        ),
    )
    membership_stacks: int = Field(
        0,
        ge=0,
        le=MAX_POOL,
        examples=[48],
        description=(
            "0: each project's group memberships in its project's stack; N: in members-1 ... members-N by a hash "
            "of the project's key (all of a project's together), deployed after the projects stacks beside "
            "governance. Past about 3 000 projects it keeps the projects level within one pipeline stage; "
            "changing it re-creates the memberships that move (no data: a member loses access for that moment)"
        ),
    )
    unit_stacks: int = Field(
        0,
        ge=0,
        le=MAX_POOL,
        examples=[4],
        description=(
            "0: the domain-unit tree in the domain stack; N: each business unit's subtree in one of N nested "
            "stacks of the domain stack, by a hash of its id (moving a deployed unit replaces it: set it first)"
        ),
    )
