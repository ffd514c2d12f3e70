"""An organisation's data: all of it as JSON (`export`, subject access), or its personal data erased
(`erase`). Both walk the same footprint (`footprint`): every row held about the organisation.
"""
