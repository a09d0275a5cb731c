"""Echo-chamber belief dynamics (seed 000, "Echochambers Episode 1: The Optimization Menace").

Agents hold a belief b_i, evidence e_i and listen weights L_ji and climb the utility
U_i = b_i e_i - (s/2) b_i^2 + m b_i sum_j L_ji b_j - p (e_i - e*)^2.
"""
