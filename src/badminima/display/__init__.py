"""What people see: numbers as text (`text`), pictures of a trap (`plot`, PNG through matplotlib from the
``figures`` extra) and Jupyter's rich display (`notebook`). Nothing here computes a result; every number
shown comes from the layers below."""
